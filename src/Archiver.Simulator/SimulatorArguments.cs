using Archiver.Simulator.Configuration;

namespace Archiver.Simulator;

/// <summary>The command line: <c>--name value</c> pairs mapped onto <see cref="SimulatorSettings"/> (docs/simulator.md lists them).</summary>
internal static class SimulatorArguments
{
    public static SimulatorSettings Parse(string[] args)
    {
        var settings = new SimulatorSettings();
        var brandKeys = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
            settings = name switch
            {
                "--port" => settings with { Port = Int() },
                "--address" => settings with { Address = Value() },
                "--account" => settings with { Account = Value() },
                "--seed" => settings with { Seed = Int() },
                "--quirks" => settings with { Quirks = bool.Parse(Value()) },
                "--scenario" => settings with { Scenario = Scenario(Value()) },
                "--scenario-conversations" => settings with { ScenarioConversations = Int() },
                "--pace-ms" => settings with { PaceMs = Int() },
                "--token-lifetime-seconds" => settings with { TokenLifetime = TimeSpan.FromSeconds(Int()) },
                "--external-token-lifetime-seconds" => settings with { ExternalTokenLifetime = TimeSpan.FromSeconds(Int()) },
                "--history-batch" => settings with { HistoryBatch = Int() },
                "--idle-timeout-seconds" => settings with { IdleTimeout = TimeSpan.FromSeconds(Int()) },
                "--brand-public-key" => Add(settings, brandKeys, Value()),
                _ => throw new ArgumentException($"unknown option {name}; see docs/simulator.md"),
            };
        }
        return settings with { BrandPublicKeyFiles = brandKeys };
    }

    /// <summary>A misspelt scenario would otherwise play nothing, silently.</summary>
    private static string Scenario(string name) => name is "demo" or "year" ? name : throw new ArgumentException($"--scenario is demo or year, not {name}");

    private static SimulatorSettings Add(SimulatorSettings settings, List<string> keys, string file)
    {
        keys.Add(file);
        return settings;
    }
}
