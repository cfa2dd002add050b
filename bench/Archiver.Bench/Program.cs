using Archiver.Bench;

return await BenchmarkRunner.RunAsync(args);
