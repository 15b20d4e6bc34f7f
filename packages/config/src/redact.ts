/** A URL with its password (and any `password=` query value) replaced by `***`; safe to print. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, "***");
    }
    return url.toString();
  } catch {
    // Not a URL: strip anything that looks like user:password@.
    return value.replace(/\/\/([^/:@]*):[^/@]*@/, "//$1:***@");
  }
}
