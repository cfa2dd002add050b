using Archiver.Testing;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Hosting;

/// <summary>Invalid or missing worker configuration stops it at start, with a message naming the key — and no secret.</summary>
public sealed class WorkerConfigurationTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private const string SecretIdToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtY3VzdG9tZXIifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1zaG93bg";

    public static TheoryData<string, string, string> Broken => new()
    {
        { "LivePerson__AccountId", "", "LivePerson__AccountId" },
        { "LivePerson__CsdsUrl", "not a url", "LivePerson__CsdsUrl" },
        { "LivePerson__Consumers__0__Mode", "", "LivePerson__Consumers__0__Mode" },
        { "LivePerson__Consumers__0__Mode", "Unauthenticated", "LivePerson__Consumers__0__ConnectorId" },
        { "LivePerson__Consumers__0__Mode", "Authenticated", "LivePerson__Consumers__0__IdToken" },
        { "LivePerson__Consumers__0__Name", "", "LivePerson__Consumers__0__Name" },
        { "LivePerson__KeepAliveSeconds", "600", "LivePerson__KeepAliveSeconds" },
        { "LivePerson__Registry__SigningKeyFile", "/nonexistent/brand-key.pem", "LivePerson__Registry__SigningKeyFile" },
        { "LivePerson__Registry__Issuer", " ", "LivePerson__Registry__Issuer" },
        { "Ingestion__ChannelCapacity", "0", "ChannelCapacity" },
        // One validator class per options class (issue 17): each names the key it refuses.
        { "LivePerson__Services__idp", "bad host/path", "LivePerson__Services__idp" },
        { "LivePerson__Http__MaxRetryAttempts", "0", "LivePerson__Http__MaxRetryAttempts" },
        { "LivePerson__Http__TotalTimeoutSeconds", "5", "LivePerson__Http__TotalTimeoutSeconds" },
        { "LivePerson__Http__CircuitBreakerSamplingSeconds", "15", "LivePerson__Http__CircuitBreakerSamplingSeconds" },
        { "Ingestion__MaxBatchEvents", "0", "Ingestion__MaxBatchEvents" },
        { "Ingestion__MaxTrackedConversations", "5", "Ingestion__MaxTrackedConversations" },
        { "Coordination__HeartbeatSeconds", "10", "Coordination__HeartbeatSeconds" },
        { "Coordination__LeaseSeconds", "1000", "Coordination__LeaseSeconds" },
        { "Observability__Address", "localhost", "Observability__Address" },
        { "Observability__Port", "70000", "Observability__Port" },
        { "Observability__MaxIngestionLagSeconds", "0", "Observability__MaxIngestionLagSeconds" },
        { "Integrity__CheckpointIntervalSeconds", "5", "Integrity__CheckpointIntervalSeconds" },
        { "Erasure__ParticipantFields__0", " ", "Erasure__ParticipantFields" },
        { "ConnectionStrings__Archive", "Host=127.0.0.1;Nonsense Key=1", "ConnectionStrings__Archive" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task The_worker_refuses_to_start_naming_the_key(string key, string value, string named)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Archive"] = database.ConnectionString,
            ["LivePerson__AccountId"] = "12345678",
            ["LivePerson__CsdsUrl"] = "http://127.0.0.1:9",
            ["LivePerson__Consumers__0__Name"] = "web",
            ["LivePerson__Consumers__0__Mode"] = "Signup",
            ["LivePerson__Consumers__1__Name"] = "brand",
            ["LivePerson__Consumers__1__Mode"] = "Authenticated",
            ["LivePerson__Consumers__1__IdToken"] = SecretIdToken,
        };
        environment[key] = value;

        var run = await ProcessRunner.ArchiverAsync(environment);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(named, run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretIdToken, run.StandardError + run.StandardOutput, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BrokenConsole => new()
    {
        { "Console__Address", "localhost", "Console__Address" },
        { "Console__Port", "70000", "Console__Port" },
        { "Console__Oidc__Authority", "not a url", "Console__Oidc__Authority is not an absolute URL" },
    };

    /// <summary>The console's options are read once, before its host exists, and checked by the same validator: same refusal.</summary>
    [Theory]
    [MemberData(nameof(BrokenConsole))]
    public async Task The_console_refuses_to_start_naming_the_key(string key, string value, string named)
    {
        const string secret = "console-client-secret-that-must-never-be-shown";
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Archive"] = database.ConnectionString,
            ["Console__Port"] = "0",
            ["Console__Oidc__ClientSecret"] = secret,
        };
        environment[key] = value;

        var run = await ProcessRunner.ArchiverAsync(environment, "console");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(named, run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, run.StandardError + run.StandardOutput, StringComparison.Ordinal);
    }
}
