using Archiver.Worker.Cli;

return await ArchiverCli.Create().Parse(args).InvokeAsync();
