// Preact with htm: tagged templates instead of JSX, so the UI needs no JSX build step
// and no eval (htm parses each template once, into a cached tree).
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
