using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Archiver.Worker.Store;
using Archiver.Worker.Store.Checkpoints;
using Archiver.Worker.Store.Verification;
using Archiver.Worker.Tests.Store;
using Archiver.Worker.WebConsole;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Tests.WebConsole;

/// <summary>
/// The console's access audit trail (issue 15): recorded by the console's own login (a member of archiver_console), one
/// chained row per access; verify reports a row edited afterwards, and a checkpoint a row removed since. Each test has its own database.
/// </summary>
public sealed class AccessAuditTests : IAsyncLifetime
{
    private readonly MigratedDatabase _database = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-audit-").FullName;

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static ClaimsPrincipal User(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test", ClaimTypes.Name, ClaimTypes.Role));

    [Fact]
    public async Task The_consoles_login_records_a_chained_row_per_access_and_verify_holds_it()
    {
        await using var console = NpgsqlDataSource.Create(await _database.CreateLoginAsync("archiver_console"));
        var audit = new AccessAudit(console, TimeProvider.System);
        await audit.RecordAsync(User("alice", ConsoleRoles.Investigator), "10.0.0.7", AccessAudit.Search, null, new JsonObject { ["words"] = "refund" }, CancellationToken.None);
        await audit.RecordAsync(User("alice", ConsoleRoles.Investigator), "10.0.0.7", AccessAudit.View, "conv-1", new JsonObject { ["clear"] = true }, CancellationToken.None);
        await audit.RecordAsync(User("bob", ConsoleRoles.Reviewer, ConsoleRoles.Supervisor), null, AccessAudit.Export, "conv-1",
            new JsonObject { ["conversations"] = new JsonArray("conv-1", "conv-2") }, CancellationToken.None);

        var seenConv2 = await audit.ReadAsync(null, null, "conv-2", 0, 10, CancellationToken.None);
        Assert.Equal([(3L, "bob", "reviewer,supervisor", "export")], seenConv2.Select(r => (r.Id, r.User, r.Roles, r.Action)));
        var seenConv1 = await audit.ReadAsync(null, null, "conv-1", 0, 10, CancellationToken.None);
        Assert.Equal([3L, 2L], seenConv1.Select(r => r.Id));
        Assert.Equal("10.0.0.7", seenConv1[1].Address);
        Assert.True((await _database.CreateVerifier().VerifyAsync()).Intact);

        // The console's login appends and reads; it cannot rewrite the trail, nor touch the log.
        foreach (var sql in new[] { "UPDATE archive.access_audit SET user_name = 'x'", "DELETE FROM archive.access_audit", "DELETE FROM archive.events" })
        {
            await using var command = console.CreateCommand(sql);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }

    [Fact]
    public async Task A_row_edited_afterwards_breaks_the_chain_and_one_removed_since_a_checkpoint_is_named()
    {
        var audit = new AccessAudit(_database.DataSource, TimeProvider.System);
        for (var i = 0; i < 3; i++)
            await audit.RecordAsync(User("alice", ConsoleRoles.Investigator), null, AccessAudit.View, $"conv-{i}", new JsonObject(), CancellationToken.None);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(Path.Combine(_directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(_directory, "public.pem"), key.ExportSubjectPublicKeyInfoPem());
        await new Checkpointer(_database.DataSource,
            Options.Create(new IntegrityOptions { SigningKeyFile = Path.Combine(_directory, "key.pem"), CheckpointDirectory = Path.Combine(_directory, "files") }),
            new AdminLog(_database.CreateStore(), _database.DataSource, TimeProvider.System), TimeProvider.System, NullLogger<Checkpointer>.Instance)
            .TakeAsync(CancellationToken.None);

        await _database.ExecuteAsync(
            """
            ALTER TABLE archive.access_audit DISABLE TRIGGER access_audit_append_only;
            UPDATE archive.access_audit SET conversation_id = 'someone-else' WHERE audit_id = 2;
            DELETE FROM archive.access_audit WHERE audit_id = 3;
            ALTER TABLE archive.access_audit ENABLE TRIGGER access_audit_append_only;
            """);

        var plain = await _database.CreateVerifier().VerifyAsync();
        var checkpoints = await new CheckpointVerifier(_database.DataSource).VerifyAsync(Path.Combine(_directory, "files"), Path.Combine(_directory, "public.pem"),
            CancellationToken.None);
        Assert.Contains(plain.Findings, f => f.Kind == FindingKind.AccessAuditChainBroken && f.Detail.StartsWith("access audit row 2 ", StringComparison.Ordinal));
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.AccessAuditDiffers);
    }
}
