// One error class for the whole gateway. `code` is stable snake_case, `status` is the
// HTTP status it maps to. HTTP renders it as {"success":false,"reason":message};
// the CLI prints the message and exits 1 (2 for usage/config errors).
export class NeoError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "NeoError";
    this.code = code;
    this.status = status;
  }
}

export const badRequest = (code: string, message: string, cause?: unknown) => new NeoError(code, message, 400, cause);
export const forbidden = (code: string, message: string) => new NeoError(code, message, 403);
export const notFound = (code: string, message: string) => new NeoError(code, message, 404);
export const conflict = (code: string, message: string) => new NeoError(code, message, 409);
export const usageError = (message: string) => new NeoError("usage", message, 400);

export function isNeoError(e: unknown): e is NeoError {
  return e instanceof NeoError;
}
