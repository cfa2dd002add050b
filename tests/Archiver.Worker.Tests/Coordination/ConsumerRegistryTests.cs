using Archiver.Domain.Consumers;
using Archiver.Worker.Coordination;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Store;
using Archiver.Worker.Tests.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Coordination;

/// <summary>
/// The registry's table (migration 0014) keeps its history against every role, and tells listeners of every change —
/// what the workers' prompt pick-up rests on.
/// </summary>
public sealed class ConsumerRegistryTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private ConsumerRegistration Registration() => new(database.DataSource, new AdminLog(database.CreateStore(), database.DataSource, TimeProvider.System));

    [Fact]
    public async Task A_change_is_notified_to_listeners_once_it_commits()
    {
        await using var listener = await database.DataSource.OpenConnectionAsync();
        var notified = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => notified.TrySetResult(e.Channel);
        await using (var listen = new NpgsqlCommand($"LISTEN {ConsumerRegistry.Channel}", listener))
            await listen.ExecuteNonQueryAsync();
        var waiting = listener.WaitAsync(TimeSpan.FromSeconds(30));

        await Registration().AddAsync([("test", new RegisteredConsumer("notified-1", ConsumerFlow.Authenticated, "brand-1", "cust-n1", null))], "test", CancellationToken.None);

        Assert.True(await waiting, "no notification within 30 s");
        Assert.Equal(ConsumerRegistry.Channel, await notified.Task);
    }

    [Theory]
    [InlineData("UPDATE archive.consumer_registry SET external_id = 'someone-else' WHERE consumer_name = 'kept-1'")]
    [InlineData("UPDATE archive.consumer_registry SET removed_at = NULL, removed_by = NULL WHERE consumer_name = 'kept-1'")]
    [InlineData("DELETE FROM archive.consumer_registry WHERE consumer_name = 'kept-1'")]
    [InlineData("TRUNCATE archive.consumer_registry")]
    public async Task The_history_cannot_be_rewritten_even_by_the_owner(string sql)
    {
        var registration = Registration();
        if ((await registration.ListAsync(includeRemoved: true, CancellationToken.None)).All(e => e.Consumer.Name != "kept-1"))
        {
            await registration.AddAsync([("test", new RegisteredConsumer("kept-1", ConsumerFlow.Authenticated, "brand-1", "cust-k1", null))], "test", CancellationToken.None);
            await registration.RemoveAsync("kept-1", CancellationToken.None);
        }

        await using var command = database.DataSource.CreateCommand(sql);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        var kept = Assert.Single(await registration.ListAsync(includeRemoved: true, CancellationToken.None), e => e.Consumer.Name == "kept-1");
        Assert.Equal("cust-k1", kept.Consumer.ExternalId);
        Assert.False(kept.Active);
    }

    [Fact]
    public async Task A_worker_reads_only_the_active_consumers_of_its_account()
    {
        var registration = Registration();
        var registry = new ConsumerRegistry(database.DataSource);
        await registration.AddAsync(
        [
            ("a", new RegisteredConsumer("acct-a1", ConsumerFlow.Authenticated, "acct-A", "cust-a1", null)),
            ("b", new RegisteredConsumer("acct-a2", ConsumerFlow.Unauthenticated, "acct-A", null, "connector-1")),
            ("c", new RegisteredConsumer("acct-b1", ConsumerFlow.Authenticated, "acct-B", "cust-a1", null)),
        ], "test", CancellationToken.None);
        var before = await registry.VersionAsync(CancellationToken.None);
        await registration.RemoveAsync("acct-a2", CancellationToken.None);

        var active = await registry.ActiveAsync("acct-A", CancellationToken.None);

        Assert.Equal(["acct-a1"], active.Select(c => c.Name));
        Assert.NotEqual(before, await registry.VersionAsync(CancellationToken.None));
    }
}
