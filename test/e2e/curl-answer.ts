// curl's output when it runs with `-w "\n%{http_code}"`: the status, the body's text and the body
// as JSON (`{ text }` when the body is not JSON, `{}` when there is none). One reading for the
// e2e tests that drive the HTTP API with curl.
export function curlAnswer<T = Record<string, unknown>>(stdout: string): { status: number; text: string; body: T } {
  const nl = stdout.lastIndexOf("\n");
  const text = stdout.slice(0, nl);
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { text };
  }
  return { status: Number(stdout.slice(nl + 1)), text, body: body as T };
}
