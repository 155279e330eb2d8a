// A URL fit for a log line or a status: its password replaced by "***".

/** the URL without its password ("(invalid URL)" when it does not parse) */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}
