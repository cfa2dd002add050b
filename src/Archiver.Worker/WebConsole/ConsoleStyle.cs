namespace Archiver.Worker.WebConsole;

/// <summary>The console's one stylesheet, served as /console.css (the Content-Security-Policy allows styles from the console only).</summary>
internal static class ConsoleStyle
{
    public const string Css =
        """
        :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0a4ea1; --warn: #9a3412; --ok: #166534; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: #f6f8fa; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
        .skip { position: absolute; left: -9999px; } .skip:focus { left: 1em; top: 1em; background: #fff; padding: .5em; z-index: 9; }
        header.top { display: flex; gap: 1.5em; align-items: center; padding: .6em 1.2em; background: #0d1117; color: #fff; }
        header.top a, header.top .muted { color: #fff; } header.top nav { display: flex; gap: 1em; flex: 1; } header.top form { margin: 0; }
        main { max-width: 72em; margin: 1.2em auto; padding: 0 1.2em; }
        h1 { font-size: 1.4em; margin: .2em 0 .8em; } h2 { font-size: 1.15em; margin: 1.2em 0 .5em; }
        form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(14em, 1fr)); gap: .6em 1em; background: #fff; padding: 1em; border: 1px solid var(--line); border-radius: 6px; }
        .actions { align-self: end; }
        label { display: block; font-weight: 600; font-size: .9em; } input, select, textarea { width: 100%; padding: .35em .45em; font: inherit; border: 1px solid var(--line); border-radius: 4px; }
        button { font: inherit; padding: .4em .9em; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: .4em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f4; font-size: .9em; }
        mark { background: #fde68a; }
        .muted { color: var(--muted); font-size: .92em; }
        .badge { display: inline-block; padding: .05em .5em; border-radius: 1em; font-size: .85em; font-weight: 600; border: 1px solid; }
        .badge.hold { color: var(--warn); border-color: var(--warn); } .badge.ok { color: var(--ok); border-color: var(--ok); } .badge.bad { color: #b91c1c; border-color: #b91c1c; }
        .badge.masked { color: var(--muted); border-color: var(--muted); }
        .error { color: #b91c1c; font-weight: 600; } .notice { background: #ecfdf5; border: 1px solid var(--ok); padding: .5em .8em; border-radius: 4px; }
        dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; background: #fff; padding: 1em; border: 1px solid var(--line); border-radius: 6px; }
        dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
        .message td.text { white-space: pre-wrap; overflow-wrap: anywhere; } .message.consumer td.author { color: #1d4ed8; } .message.agent td.author { color: #047857; }
        .button { display: inline-block; border: 1px solid var(--line); border-radius: 4px; padding: 0 .4em; background: #f3f4f6; }
        .rc-vertical, .rc-horizontal, .rc-carousel, .rc-block { border-left: 3px solid var(--line); padding-left: .6em; margin: .2em 0; }
        .rc-horizontal { display: flex; gap: .6em; }
        .pager { display: flex; gap: 1em; margin: .8em 0; }
        .signin { max-width: 24em; margin: 3em auto; background: #fff; padding: 1.5em; border: 1px solid var(--line); border-radius: 6px; }
        .signin p, .signin form > div { margin: .8em 0; }
        """;
}
