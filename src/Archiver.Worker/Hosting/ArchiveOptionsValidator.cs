using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Hosting;

/// <summary>Section <c>Archive</c> and <c>ConnectionStrings__Archive</c> checked at start; the connection string is never shown.</summary>
public sealed class ArchiveOptionsValidator : IValidateOptions<ArchiveOptions>
{
    public ValidateOptionsResult Validate(string? name, ArchiveOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            return ValidateOptionsResult.Fail("ConnectionStrings__Archive is not set: give the Postgres connection string of the archive.");
        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Fail("ConnectionStrings__Archive is not a valid Npgsql connection string (its value is not shown: it may hold a password).");
        }
    }
}
