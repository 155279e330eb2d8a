// Exact decimal text -> BigInt scaling, so timestamps never pass through a double.
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parse a decimal literal (e.g. "1675851592.123", "1.6e18") and multiply by 10^scale,
 * truncating toward zero. Returns undefined when `text` is not a decimal number.
 */
export function decimalToBigInt(text: string, scale: number): bigint | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign, int = "", frac = "", exp = "0"] = m;
  if (int.length === 0 && frac.length === 0) return undefined;
  const e = Number(exp);
  if (!Number.isSafeInteger(e) || Math.abs(e) > 400) return undefined;
  const digits = int + frac;
  const point = int.length + e + scale; // digits before the decimal point after scaling
  let whole: string;
  if (point <= 0) whole = "0";
  else if (point >= digits.length) whole = digits + "0".repeat(point - digits.length);
  else whole = digits.slice(0, point);
  const v = BigInt(whole || "0");
  return sign === "-" ? -v : v;
}
