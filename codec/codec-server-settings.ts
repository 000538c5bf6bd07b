// The codec server's settings, from the environment and validated with zod: where it listens (loopback by
// default), which Temporal UI origins may call it from a browser (CORS), and who may use it: holders of a
// bearer token (S2S_CODEC_TOKEN), or, for a UI without login on this machine only, every request from a
// trusted UI origin. The payload keys themselves are read by codec/payload-keys.ts.
import { z } from 'zod';
import { describeZod } from '../domain/contract/issues';

/** Long enough that guessing is hopeless; `openssl rand -base64 32` gives 44 characters. */
export const MIN_TOKEN_LENGTH = 32;
export const DEFAULT_UI_ORIGINS = 'http://localhost:8233,http://127.0.0.1:8233';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** "scheme://host[:port]" exactly as a browser sends it in the Origin header (no path, no trailing slash). */
export function originProblem(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `${JSON.stringify(origin)} is not an origin; write it as scheme://host[:port], e.g. https://temporal-ui.example.com`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${JSON.stringify(origin)}: only http and https origins exist for the Temporal UI`;
  if (url.origin !== origin) return `${JSON.stringify(origin)} must be written exactly as the browser sends it: ${url.origin} (no path or trailing slash)`;
  return undefined;
}

const originList = (name: string) =>
  z.string().transform((text, ctx) => {
    const origins = text
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const origin of origins) {
      const problem = originProblem(origin);
      if (problem) ctx.addIssue({ code: 'custom', message: `${name}: ${problem}` });
    }
    return origins;
  });

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export const CodecServerEnv = z
  .object({
    /** Address to listen on; the default keeps the server on this machine. */
    S2S_CODEC_HOST: z
      .string()
      .trim()
      .regex(/^[^\s:/]+$|^::1?$|^\[[0-9A-Fa-f:.]+\]$/, 'must be an IP address or host name to bind, e.g. 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1'),
    S2S_CODEC_PORT: z.coerce
      .number({ error: 'must be a port number (1-65535), e.g. 8081' })
      .int('must be a whole port number')
      .min(0, 'must be a port number (1-65535)')
      .max(65535, 'must be at most 65535')
      .default(8081),
    /** Temporal UI origins allowed to call the server from a browser (CORS). */
    S2S_CODEC_ORIGINS: originList('S2S_CODEC_ORIGINS').default(DEFAULT_UI_ORIGINS.split(',')),
    /** Bearer tokens (comma-separated, two during a rotation) for the CLI, scripts and the /login page. */
    S2S_CODEC_TOKEN: optional(
      z.string().transform((text, ctx) => {
        const tokens = text
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        tokens.forEach((token, i) => {
          if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
            ctx.addIssue({
              code: 'custom',
              message: `token ${i + 1} must be at least ${MIN_TOKEN_LENGTH} characters without spaces; generate one with \`openssl rand -base64 32\``,
            });
          }
        });
        return tokens;
      }),
    ),
    /**
     * UI origins whose requests are decoded without a token: only for a UI that has no login of its own and that
     * only trusted people reach, such as the dev server's UI on this machine (`npm start`). Loopback only.
     */
    S2S_CODEC_TRUSTED_ORIGINS: optional(originList('S2S_CODEC_TRUSTED_ORIGINS')),
  })
  .superRefine((env, ctx) => {
    const trusted = env.S2S_CODEC_TRUSTED_ORIGINS ?? [];
    if ((env.S2S_CODEC_TOKEN ?? []).length === 0 && trusted.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['S2S_CODEC_TOKEN'],
        message:
          'is required: the codec server decrypts personal data, so it needs a token (`openssl rand -base64 32`); for the local dev UI only, S2S_CODEC_TRUSTED_ORIGINS may stand in',
      });
    }
    if (trusted.length > 0 && !isLoopbackHost(env.S2S_CODEC_HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['S2S_CODEC_TRUSTED_ORIGINS'],
        message: `works only on a loopback address (S2S_CODEC_HOST is ${env.S2S_CODEC_HOST}): a server others can reach needs S2S_CODEC_TOKEN`,
      });
    }
  });
export type CodecServerEnv = z.infer<typeof CodecServerEnv>;

export function readCodecServerEnv(env: NodeJS.ProcessEnv = process.env): CodecServerEnv {
  const result = CodecServerEnv.safeParse(env);
  if (!result.success) throw new Error(`invalid codec server settings: ${describeZod(result.error)}`);
  return result.data;
}

/**
 * `npm start`'s codec server: CORS for the dev server's UI (localhost and 127.0.0.1 at its port) unless
 * S2S_CODEC_ORIGINS says otherwise, and those origins trusted without a token while the server listens on
 * loopback: that UI has no login and cannot send a token. S2S_CODEC_TOKEN, if set, still serves the CLI and /login.
 */
export function readLocalCodecServerEnv(env: NodeJS.ProcessEnv, uiPort: number): CodecServerEnv {
  const uiOrigins = `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`;
  const host = env.S2S_CODEC_HOST?.trim() || '127.0.0.1';
  return readCodecServerEnv({
    ...env,
    S2S_CODEC_ORIGINS: env.S2S_CODEC_ORIGINS?.trim() || uiOrigins,
    S2S_CODEC_TRUSTED_ORIGINS: env.S2S_CODEC_TRUSTED_ORIGINS ?? (isLoopbackHost(host) ? uiOrigins : ''),
  });
}
