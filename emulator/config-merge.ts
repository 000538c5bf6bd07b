// JSON merge patch for PATCH /__emulator/config (RFC 7396: objects merge, null deletes, other values
// replace), with one extension: the app lists `adjustApps` and `appsflyerApps` merge item by item, keyed
// by `appToken` / `appId`, so a patch can add an event token to one app without restating the others.
const ARRAY_KEYS: Record<string, string> = { adjustApps: 'appToken', appsflyerApps: 'appId' };

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeKeyedArray(base: Json, patch: Json[], idKey: string): Json[] {
  const out: Json[] = Array.isArray(base) ? [...base] : [];
  for (const item of patch) {
    const id = isObject(item) ? item[idKey] : undefined;
    const at = id === undefined ? -1 : out.findIndex((b) => isObject(b) && b[idKey] === id);
    if (at >= 0) out[at] = mergePatch(out[at], item);
    else out.push(item);
  }
  return out;
}

export function mergePatch(base: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    const idKey = ARRAY_KEYS[key];
    if (value === null) delete out[key];
    else if (idKey !== undefined && Array.isArray(value)) out[key] = mergeKeyedArray(out[key], value, idKey);
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
