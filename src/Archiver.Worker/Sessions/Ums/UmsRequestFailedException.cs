using Archiver.Domain.Protocol;

namespace Archiver.Worker.Sessions.Ums;

/// <summary>A request the session cannot do without (e.g. the conversation subscription) was answered with an error code.</summary>
public sealed class UmsRequestFailedException : Exception
{
    public UmsRequestFailedException(string type, ResponseFrame response)
        : base($"{type} was answered {UmsRequests.Describe(response)}.")
    {
        Code = response.Code;
    }

    public UmsRequestFailedException() { }

    public UmsRequestFailedException(string message) : base(message) { }

    public UmsRequestFailedException(string message, Exception innerException) : base(message, innerException) { }

    public int Code { get; }
}
