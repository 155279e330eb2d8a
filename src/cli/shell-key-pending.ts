// Approval at first use (Tls.TrustedCA with Policy "pinned"): `neo shell key pending` lists
// the refused certificates that name a registered client; `approve` registers one as its
// client's certificate (as `key import` would; the device's next connect works), `reject`
// drops it. Both take the fingerprint, or the client id when it has only one waiting.
import { pendingJson } from "../registry/index.ts";
import { usageError } from "../lib/errors.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { formatTime, renderBox, rfc3339 } from "./shell-key-format.ts";
import { withRegistry } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const keyArg = {
  type: "positional",
  required: true,
  description: "the certificate's SHA-256 fingerprint, or the client id when it has only one pending",
} as const;

const COLUMNS = [
  { title: "CLIENT", min: 6 },
  { title: "CA", min: 2 },
  { title: "FINGERPRINT (SHA-256)", min: 64 },
  { title: "SUBJECT", min: 7 },
  { title: "FIRST SEEN", min: 10 },
  { title: "LAST SEEN", min: 9 },
  { title: "ADDRESS", min: 7 },
];

export const pending = command({
  meta: {
    name: "pending",
    description: "List certificates of pinned trusted CAs refused at first use, waiting for approve or reject",
  },
  args: { ...commonArgs, format: { type: "string", description: "box (default) or json" } },
  async run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    const list = await withRegistry(args, (r) => r.pending.list(), { readOnly: true });
    if (format === "json") return void out(`${JSON.stringify(list.map(pendingJson), null, 2)}\n`);
    out(
      renderBox(
        COLUMNS,
        list.map((p) => [
          p.clientId,
          p.ca,
          p.fingerprint,
          p.subject,
          formatTime(p.firstSeen),
          formatTime(p.lastSeen),
          p.address || "-",
        ]),
      ),
    );
  },
});

export const approve = command({
  meta: {
    name: "approve",
    description:
      "Register a pending certificate as its client's (the old certificate is retired); it connects next time",
  },
  args: { ...commonArgs, key: keyArg },
  async run({ args }) {
    const { pending: p } = await withRegistry(args, (r) => r.pending.approve(args.key));
    auditChange(args, "key.approve", p.clientId, { fingerprint: p.fingerprint, ca: p.ca, subject: p.subject });
    out(`approved ${p.clientId} (serial ${p.serial}, ${p.fingerprint})\n`);
    if (p.notAfter <= Date.now())
      process.stderr.write(`neo: warning: the certificate expired on ${rfc3339(p.notAfter)}\n`);
  },
});

export const reject = command({
  meta: {
    name: "reject",
    description: "Drop a pending certificate (it stays refused; it is listed again if it keeps trying)",
  },
  args: { ...commonArgs, key: keyArg },
  async run({ args }) {
    const p = await withRegistry(args, (r) => r.pending.reject(args.key));
    auditChange(args, "key.reject", p.clientId, { fingerprint: p.fingerprint, ca: p.ca, subject: p.subject });
    out(`rejected ${p.fingerprint} (${p.clientId})\n`);
  },
});
