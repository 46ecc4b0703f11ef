// JSON as pound 4's control interface writes it: keys in alphabetical order, `"key":value`
// pairs separated by ", " on one line; poundctl -i N re-indents it like JSON.stringify.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The daemon's one-line form: `{"a":1, "b":[1, 2]}`. */
export function compactJson(v: Json): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(compactJson).join(', ')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${compactJson(v[k]!)}`)
    .join(', ')}}`;
}

/** poundctl -j -i N: N spaces per level (0 = the compact form). */
export function indentedJson(v: Json, indent: number): string {
  return indent > 0 ? JSON.stringify(sortKeys(v), null, indent) : compactJson(v);
}

function sortKeys(v: Json): Json {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(sortKeys);
  const out: { [key: string]: Json } = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
  return out;
}

/** pound 4's timestamps: local time, ISO 8601 without zone, microseconds. */
export function isoMicros(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `.${p(d.getMilliseconds(), 3)}000`
  );
}
