// The codec server's one HTML page: a form that takes the codec server token, so a browser gets the session
// cookie the Temporal UI sends along when "Include cross-origin credentials" is on. No script, no styles
// from elsewhere (the server's Content-Security-Policy allows neither).

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(message?: string, loggedIn = false): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>s2s-relay codec server</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}input{font:inherit;width:100%;padding:.4rem;margin:.5rem 0}button{font:inherit;padding:.4rem 1rem}p.note{color:#555}</style>
</head><body>
<h1>s2s-relay codec server</h1>
${message ? `<p id="message" role="status">${escape(message)}</p>` : ''}
${
  loggedIn
    ? '<form method="post" action="logout"><button type="submit">Log out</button></form>'
    : `<form method="post" action="login">
<label for="token">Codec server token (S2S_CODEC_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Log in</button>
</form>`
}
<p class="note">After logging in, open the Temporal UI's codec server settings, enter this server's address and turn on
"Include cross-origin credentials". The session lasts 12 hours in this browser.</p>
</body></html>
`;
}
