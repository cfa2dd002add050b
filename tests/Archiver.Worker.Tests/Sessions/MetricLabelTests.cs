using Archiver.Domain.Protocol;
using Archiver.Worker.Sessions;
using Archiver.Worker.Sessions.Ums;

namespace Archiver.Worker.Tests.Sessions;

/// <summary>Codes come from the server: only known ones get a metric label of their own, so a server cannot create labels without limit.</summary>
public sealed class MetricLabelTests
{
    [Theory]
    [InlineData(4401, "close_4401")]
    [InlineData(1006, "close_1006")]
    [InlineData(4999, "close_other")]
    [InlineData(3127, "close_other")]
    public void Close_codes_are_bucketed(int code, string label) =>
        Assert.Equal(label, ConsumerSession.Reason(new UmsClosedException(code, null)));

    [Theory]
    [InlineData(429, "response_429")]
    [InlineData(503, "response_503")]
    [InlineData(418, "response_4xx")]
    [InlineData(599, "response_5xx")]
    [InlineData(0, "response_other")]
    [InlineData(999, "response_other")]
    public void Response_codes_are_bucketed(int code, string label) =>
        Assert.Equal(label, ConsumerSession.Reason(new UmsRequestFailedException("x", new ResponseFrame("1", code, null, null))));

    [Fact]
    public void Every_code_a_server_can_send_maps_to_one_of_a_few_labels()
    {
        var labels = Enumerable.Range(0, 70_000).Select(SessionMetrics.StatusLabel)
            .Concat(Enumerable.Range(0, 70_000).Select(SessionMetrics.CloseCodeLabel)).ToHashSet();
        Assert.True(labels.Count <= 30, string.Join(", ", labels));
    }
}
