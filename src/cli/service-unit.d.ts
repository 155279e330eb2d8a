// systemd/neo.service is imported as text (`with { type: "text" }`) and embedded in the binary.
declare module "*/neo.service" {
  const text: string;
  export default text;
}
