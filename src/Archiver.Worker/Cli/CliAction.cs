using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Cli;

/// <summary>Runs a command's body and turns any failure into exit code 1 and one line on stderr.</summary>
internal static class CliAction
{
    public const int Success = 0;
    public const int Failure = 1;

    public static async Task<int> RunAsync(string command, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"archiver {command}: cancelled");
            return Failure;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"archiver {command}: {Reason(e)}");
            return Failure;
        }
    }

    /// <summary>
    /// One line that says what went wrong. Built from messages only, never from configuration values, so a connection
    /// string's password cannot leak through it.
    /// </summary>
    internal static string Reason(Exception e)
    {
        var reason = e switch
        {
            OptionsValidationException v => string.Join(" ", v.Failures),
            PostgresException p => $"database error {p.SqlState}: {p.MessageText}",
            NpgsqlException { InnerException: { } inner } n => $"{n.Message} ({inner.Message})",
            AggregateException { InnerExceptions.Count: 1 } a => Reason(a.InnerExceptions[0]),
            _ => e.Message,
        };
        return reason.ReplaceLineEndings(" ");
    }
}
