using System.Text.Json;
using System.Text.Json.Nodes;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Npgsql;

namespace Archiver.Worker.Store;

/// <summary>
/// The admin stream (<c>admin:archive</c>): one event per privileged operation — a migration applied, the read models
/// rebuilt, the checkpoint key changed — with who did it (the database login) and when. It is an ordinary stream of the
/// log, so its hash chain and the signed checkpoints cover it; a retried operation is recorded once (its key).
/// </summary>
public sealed class AdminLog(IEventStore store, NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <param name="key">What makes two records the same operation (e.g. a migration's version): recorded once.</param>
    public async Task RecordAsync(string type, string key, JsonObject details, CancellationToken cancellationToken)
    {
        await using var who = dataSource.CreateCommand("SELECT current_user::text");
        details["by"] = (string?)await who.ExecuteScalarAsync(cancellationToken);
        details["at"] = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await store.AppendAsync(
            [new NewEvent(ArchiveEventTypes.AdminStream, null, type, details.ToJsonString(JsonSerializerOptions.Default), time.GetUtcNow(), $"{type}:{key}")],
            cancellationToken);
    }
}
