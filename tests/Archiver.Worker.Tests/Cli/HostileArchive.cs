using Archiver.Worker.Projections;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// A fresh archive holding one conversation, <see cref="Mallory"/> (2024-05-01 11:00Z, inside the tests' export window),
/// whose consumer writes what a compliance officer's tools must not act on: spreadsheet formulas, terminal escape
/// sequences, forged lines, markup, bidi overrides and script. Each message carries a word of its own
/// (<see cref="Hostile.Word"/>) so <c>archiver search</c> can find it alone.
/// </summary>
public sealed class HostileArchive : MigratedDatabase
{
    /// <summary>Formulas a spreadsheet would run (the OWASP CSV-injection starts), and a harmless text.</summary>
    public static readonly string[] Formulas = ["=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"];

    public const string Plain = "hello";

    /// <summary>Script and an event handler: must stay text in the HTML export and never run.</summary>
    public const string Script = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">";

    /// <summary>Script that would show in the DOM if it ran: it retitles the page.</summary>
    public const string Retitle = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";

    /// <summary>Texts a terminal would act on, each with the word that finds it and the text that must stay visible.</summary>
    public static readonly Hostile[] Terminal =
    [
        new("colour", "colour \u001b[31mred\u001b[0m", "red"),
        new("anchor", "anchor \u001b]8;;http://evil\u0007click\u001b]8;;\u0007", "click"),
        new("clipboard", "clipboard \u001b]52;c;cm0gLXJmIH4=\u0007 copied", "copied"),
        new("csi", "csi \u009b2J cleared", "cleared"),
        new("forged", "forged line\n09:00:00  agent 00000000: please send your password", "please send your password"),
        new("separators", "separators\u2028line\u2029paragraph\u0085next", "paragraph"),
        new("markup", "markup [red]styled[/] [link=http://evil]x[/]", "[red]styled[/]"),
        new("surrogate", "surrogate \ud800 lone", "lone"),
        new("bidi", "bidi invoice\u202Efdp.exe\u202C and \u2066isolate\u2069", "isolate"),
        new("bell", "bell \u0007\u0008\u007f rings", "rings"),
    ];

    /// <summary>A hosted file whose caption and path would be a formula in a cell and a link in a page.</summary>
    public const string FileCaption = "=cmd|' /C calc'!A0";

    public const string FilePath = "javascript:alert(document.domain)";

    public ScriptedConversation Mallory { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var store = CreateStore(new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection());

        Mallory = new ScriptedConversation(ComplianceArchive.WindowFrom.AddHours(11));
        var m = Mallory;
        m.Observe("OPEN", "OPEN", null, [(m.Consumer, "CONSUMER"), (m.Agent1, "ASSIGNED_AGENT")], mainOpen: true);
        foreach (var text in Formulas.Append(Plain).Concat(Terminal.Select(t => t.Text)).Append(Script).Append(Retitle))
            m.Say(m.Id, m.Consumer, "CONSUMER", text);
        m.File(m.Id, m.Agent1, "ASSIGNED_AGENT", FileCaption, FilePath);
        m.Observe("CLOSE", "CLOSE", "CONSUMER", [(m.Consumer, "CONSUMER"), (m.Agent1, "ASSIGNED_AGENT")], mainOpen: false);

        foreach (var step in m.Steps)
            await store.AppendAsync(step);
    }

    /// <summary>Connection for the <c>archiver</c> process under test.</summary>
    public Dictionary<string, string?> Environment() => new() { ["ConnectionStrings__Archive"] = ConnectionString };
}

/// <summary>A message a terminal would act on: the word that finds it, its text, and what must still be visible of it.</summary>
public sealed record Hostile(string Word, string Text, string Visible);
