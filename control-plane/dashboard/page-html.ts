// The page's HTML: the shell the script fills in, and the login form.
export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>skiff dashboard</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header>
  <h1>skiff</h1>
  <span id="connection" class="conn down">connecting</span>
  <div id="members"></div>
</header>
<main>
  <section class="wide">
    <h2>Nodes</h2>
    <div id="nodes" class="columns"></div>
  </section>
  <section>
    <h2>Services</h2>
    <table id="services"><thead><tr><th>service</th><th>type</th><th>cluster IP</th><th>ports</th><th>endpoints</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Timeline <label class="small"><input type="checkbox" id="since-kill" checked> since the last kill</label></h2>
    <table id="timeline"><thead><tr><th>time</th><th>after kill</th><th>what</th><th>object</th><th>node</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Events</h2>
    <ol id="events"></ol>
  </section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(error: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>skiff dashboard: log in</title><link rel="stylesheet" href="/app.css"></head>
<body class="login">
<form method="post" action="/login">
  <h1>skiff</h1>
  <p>The cluster's admin token: the one in the kubeconfig (<code>kubectl config view --raw -o jsonpath='{.users[0].user.token}'</code>), or the first line of tokens.csv.</p>
  ${error === "" ? "" : `<p class="error">${escape(error)}</p>`}
  <input type="password" name="token" placeholder="token" autofocus>
  <button type="submit">Log in</button>
</form>
</body>
</html>
`;
}
