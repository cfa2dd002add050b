using System.Net;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>Where a <see cref="Browser"/> navigation ended, after its redirects: the URL, the status and the body.</summary>
internal sealed record BrowserPage(Uri Url, HttpStatusCode Status, string Body);
