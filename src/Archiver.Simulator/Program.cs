using Archiver.Simulator;

var settings = SimulatorArguments.Parse(args);
await using var simulator = await SimulatorHost.StartAsync(settings);
Console.WriteLine($"Simulator listening on {simulator.BaseUri.ToString().TrimEnd('/')}");
Console.WriteLine($"  CSDS      {simulator.BaseUri}api/account/{settings.Account}/service/baseURI.json?version=1.0");
Console.WriteLine($"  UMS       ws://{simulator.HostAndPort}/ws_api/account/{settings.Account}/messaging/consumer?v=3");
Console.WriteLine($"  IDP       {simulator.BaseUri}api/account/{settings.Account}/signup | anonymous/authorize | app/{{connectorId}}/authenticate | authenticate");
Console.WriteLine($"  control   {simulator.BaseUri}control/ (ground-truth, stats, faults, scenario, scenario/year, load)");
Console.WriteLine($"  scenario  {settings.Scenario ?? "none"}, quirks {(settings.Quirks ? "on" : "off")}, seed {settings.Seed}");
await simulator.WaitForShutdownAsync(CancellationToken.None);
