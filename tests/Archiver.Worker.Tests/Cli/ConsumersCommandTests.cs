using Archiver.Testing;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// <c>archiver consumers add|remove|list|import</c> (issue 16) as an operator runs them, with the owner's login: clear
/// errors naming the consumer or the line, an import all or nothing and safe to run again, the history kept, every
/// change in the admin stream; the worker's login may not change the registry. Each test uses names of its own.
/// </summary>
public sealed class ConsumersCommandTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-consumers-").FullName;

    private Task<ProcessResult> OwnerAsync(params string[] arguments) => ProcessRunner.ArchiverAsync(
        new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = database.ConnectionString, ["LivePerson__AccountId"] = "brand-1" }, arguments);

    [Fact]
    public async Task Add_list_and_remove_keep_the_history_and_record_each_change_in_the_admin_stream()
    {
        var added = await OwnerAsync("consumers", "add", "alice", "--flow", "authenticated", "--external-id", "cust-alice");
        Assert.True(added.ExitCode == 0, added.StandardError);
        Assert.Matches(@"^consumer alice added \(entry \d+\)$", added.StandardOutput.Trim());
        var again = await OwnerAsync("consumers", "add", "alice", "--flow", "Authenticated", "--external-id", "cust-alice");
        Assert.True(again.ExitCode == 0, again.StandardError);
        Assert.Equal("consumer alice is already registered so: unchanged", again.StandardOutput.Trim());
        var anonymous = await OwnerAsync("consumers", "add", "anon-1", "--flow", "Unauthenticated", "--connector-id", "connector-9", "--account", "brand-2");
        Assert.True(anonymous.ExitCode == 0, anonymous.StandardError);

        var list = (await OwnerAsync("consumers", "list")).StandardOutput.Split('\n');
        Assert.Contains(list, l => l.StartsWith("alice  Authenticated  account brand-1  external id cust-alice  added ", StringComparison.Ordinal));
        Assert.Contains(list, l => l.StartsWith("anon-1  Unauthenticated  account brand-2  connector connector-9  added ", StringComparison.Ordinal));

        var removed = await OwnerAsync("consumers", "remove", "alice");
        Assert.True(removed.ExitCode == 0, removed.StandardError);
        Assert.Contains("consumer alice removed", removed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain((await OwnerAsync("consumers", "list")).StandardOutput.Split('\n'), l => l.StartsWith("alice ", StringComparison.Ordinal));
        var history = (await OwnerAsync("consumers", "list", "--all")).StandardOutput.Split('\n');
        Assert.Contains(history, l => l.StartsWith("alice  Authenticated", StringComparison.Ordinal) && l.Contains("REMOVED", StringComparison.Ordinal));

        var twice = await OwnerAsync("consumers", "remove", "alice");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("consumer alice is not registered: it was removed at", twice.StandardError, StringComparison.Ordinal);
        var unknown = await OwnerAsync("consumers", "remove", "nobody-at-all");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("there is no registered consumer nobody-at-all", unknown.StandardError, StringComparison.Ordinal);

        // Added again after its removal: a new registration, the old one kept.
        Assert.Equal(0, (await OwnerAsync("consumers", "add", "alice", "--flow", "Authenticated", "--external-id", "cust-alice")).ExitCode);
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM archive.consumer_registry WHERE consumer_name = 'alice'"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM archive.consumer_registry WHERE consumer_name = 'alice' AND removed_at IS NULL"));

        Assert.Equal(2L, await ScalarAsync(
            "SELECT count(*) FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ConsumersRegistered' AND (body::jsonb)->'consumers' @> '[{\"name\":\"alice\"}]'"));
        Assert.Equal(1L, await ScalarAsync(
            "SELECT count(*) FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ConsumerRemoved' AND body->>'name' = 'alice' AND body->>'by' = current_user"));
    }

    [Theory]
    [InlineData(new[] { "bad name!", "--flow", "Authenticated", "--external-id", "x" }, "name 'bad name!' must be")]
    [InlineData(new[] { "bob", "--flow", "Signup" }, "--flow: the flow must be Authenticated or Unauthenticated (Signup is for demos only)")]
    [InlineData(new[] { "bob", "--flow", "Sometimes" }, "--flow: flow 'Sometimes' is not Authenticated or Unauthenticated")]
    [InlineData(new[] { "bob", "--flow", "Authenticated" }, "consumer bob: an Authenticated consumer needs an external id")]
    [InlineData(new[] { "bob", "--flow", "Unauthenticated" }, "consumer bob: an Unauthenticated consumer needs a connector id")]
    [InlineData(new[] { "bob", "--flow", "Unauthenticated", "--connector-id", "c", "--external-id", "e" }, "consumer bob: an Unauthenticated consumer takes no external id")]
    public async Task Add_refuses_bad_input_naming_the_consumer_and_writes_nothing(string[] arguments, string expected)
    {
        var result = await OwnerAsync(["consumers", "add", .. arguments]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM archive.consumer_registry WHERE consumer_name IN ('bob', 'bad name!')"));
    }

    [Fact]
    public async Task Add_refuses_a_name_or_an_external_id_registered_differently()
    {
        Assert.Equal(0, (await OwnerAsync("consumers", "add", "carol", "--flow", "Authenticated", "--external-id", "cust-carol")).ExitCode);

        var otherId = await OwnerAsync("consumers", "add", "carol", "--flow", "Authenticated", "--external-id", "cust-other");
        Assert.Equal(1, otherId.ExitCode);
        Assert.Contains("consumer carol is already registered differently (carol  Authenticated  account brand-1  external id cust-carol); remove it first",
            otherId.StandardError, StringComparison.Ordinal);
        var sameCustomer = await OwnerAsync("consumers", "add", "carol-2", "--flow", "Authenticated", "--external-id", "cust-carol");
        Assert.Equal(1, sameCustomer.ExitCode);
        Assert.Contains("external id cust-carol is already registered as consumer carol", sameCustomer.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_adds_every_line_once_and_running_it_again_changes_nothing()
    {
        var file = await WriteAsync("good.csv",
            "# the brand's customers, exported 2026-12-01",
            "flow,name,external_id,connector_id,account",
            "Authenticated,imp-1,cust-1,,",
            "Authenticated,imp-2,\"cust,2 \"\"quoted\"\"\",,",
            "",
            "Unauthenticated,imp-3,,connector-1,brand-7");

        var first = await OwnerAsync("consumers", "import", file);
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Equal("imported good.csv: 3 consumer(s) added, 0 already registered", first.StandardOutput.Trim());
        var second = await OwnerAsync("consumers", "import", file);
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Equal("imported good.csv: 0 consumer(s) added, 3 already registered", second.StandardOutput.Trim());

        Assert.Equal(3L, await ScalarAsync("SELECT count(*) FROM archive.consumer_registry WHERE consumer_name LIKE 'imp-%'"));
        Assert.Equal("cust,2 \"quoted\"", await ScalarAsync("SELECT external_id FROM archive.consumer_registry WHERE consumer_name = 'imp-2'"));
        Assert.Equal("brand-7", await ScalarAsync("SELECT account_id FROM archive.consumer_registry WHERE consumer_name = 'imp-3'"));
        Assert.Equal("brand-1", await ScalarAsync("SELECT account_id FROM archive.consumer_registry WHERE consumer_name = 'imp-1'"));
        Assert.Equal(1L, await ScalarAsync(
            "SELECT count(*) FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ConsumersRegistered' AND body->>'operation' = 'import good.csv'"));
    }

    [Fact]
    public async Task A_bad_import_is_refused_whole_with_every_problem_named_by_its_line()
    {
        Assert.Equal(0, (await OwnerAsync("consumers", "add", "held-1", "--flow", "Authenticated", "--external-id", "cust-held")).ExitCode);
        var file = await WriteAsync("bad.csv",
            "name,flow,external_id,connector_id",
            "bad-1,Authenticated,cust-b1,",
            "bad-2,Authenticated,,",
            "bad-3,Sometimes,x,",
            "bad-1,Authenticated,cust-b4,",
            "bad-5,Authenticated,cust-b1,",
            "bad-6,Unauthenticated,,",
            "bad-7,Authenticated,\"unclosed,",
            "bad-8,Authenticated",
            "bad 9,Authenticated,x9,",
            "bad-10,Authenticated,cust-b10,");

        var result = await OwnerAsync("consumers", "import", file);

        Assert.Equal(1, result.ExitCode);
        var errors = result.StandardError.Trim().Split('\n');
        Assert.Equal(
        [
            "bad.csv: line 3: consumer bad-2: an Authenticated consumer needs an external id",
            "bad.csv: line 4: flow 'Sometimes' is not Authenticated or Unauthenticated",
            "bad.csv: line 5: consumer bad-1 is also on line 2",
            "bad.csv: line 6: external id cust-b1 is also on line 2 (one customer, one consumer)",
            "bad.csv: line 7: consumer bad-6: an Unauthenticated consumer needs a connector id",
            "bad.csv: line 8: a quoted field is not closed (a field cannot span lines)",
            "bad.csv: line 9: 2 field(s), the header has 4",
            "bad.csv: line 10: name 'bad 9' must be 1-200 letters, digits or . _ : @ + - and start with a letter or digit",
            "archiver consumers import: 8 problem(s) in bad.csv; nothing was imported",
        ], errors);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM archive.consumer_registry WHERE consumer_name LIKE 'bad%'"));

        // Lines that are fine on their own but clash with the registry: refused whole too, each named by its line.
        var clash = await WriteAsync("clash.csv",
            "name,flow,external_id",
            "clash-1,Authenticated,cust-c1",
            "held-1,Authenticated,cust-other",
            "clash-3,Authenticated,cust-held");
        var refused = await OwnerAsync("consumers", "import", clash);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
        [
            "clash.csv: line 3: consumer held-1 is already registered differently (held-1  Authenticated  account brand-1  external id cust-held); remove it first",
            "clash.csv: line 4: external id cust-held is already registered as consumer held-1",
            "archiver consumers import: 2 problem(s) in clash.csv; nothing was imported",
        ], refused.StandardError.Trim().Split('\n'));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM archive.consumer_registry WHERE consumer_name = 'clash-1'"));
    }

    [Theory]
    [InlineData("empty.csv", new string[0], "the file is empty")]
    [InlineData("header.csv", new[] { "name,flow,external_id" }, "the file has a header but no consumer")]
    [InlineData("columns.csv", new[] { "name,flavour", "x,Authenticated" }, "line 1: unknown column 'flavour'")]
    [InlineData("noflow.csv", new[] { "name,external_id", "x,y" }, "line 1: the header has no column flow")]
    public async Task A_file_without_a_usable_header_or_consumers_is_refused(string name, string[] lines, string expected)
    {
        var result = await OwnerAsync("consumers", "import", await WriteAsync(name, lines));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_of_a_missing_file_names_it()
    {
        var missing = Path.Combine(_directory, "missing.csv");

        var result = await OwnerAsync("consumers", "import", missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{missing} does not exist", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_login_may_read_the_registry_but_not_change_it()
    {
        var writer = await database.CreateLoginAsync("archiver_writer");
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = writer, ["LivePerson__AccountId"] = "brand-1" };

        var add = await ProcessRunner.ArchiverAsync(environment, "consumers", "add", "dave", "--flow", "Authenticated", "--external-id", "cust-dave");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("database error 42501: permission denied for table consumer_registry", add.StandardError, StringComparison.Ordinal);
        var list = await ProcessRunner.ArchiverAsync(environment, "consumers", "list", "--all");
        Assert.True(list.ExitCode == 0, list.StandardError);
    }

    private async Task<string> WriteAsync(string name, params string[] lines)
    {
        var path = Path.Combine(_directory, name);
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
