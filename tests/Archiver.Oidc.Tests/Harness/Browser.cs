using System.Net;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>
/// What a browser does in a sign-in, and no more: keeps cookies per host, follows redirects with GET, records every
/// URL it visits, and submits a form when told to. The one thing a browser would do alone, running the provider's
/// auto-submit script, the test does explicitly with <see cref="SubmitAsync"/>.
/// </summary>
internal sealed class Browser : IDisposable
{
    private readonly HttpClient _http;
    private readonly List<(string Method, Uri Url)> _history = [];

    public Browser()
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = true,
            CookieContainer = Cookies,
        });
    }

    public CookieContainer Cookies { get; } = new();

    /// <summary>Every request made, in order, as "METHOD url".</summary>
    public IReadOnlyList<(string Method, Uri Url)> History => _history;

    public Task<BrowserPage> GetAsync(Uri url) => NavigateAsync(new HttpRequestMessage(HttpMethod.Get, url));

    /// <summary>Submits a form the way the provider's <c>document.forms[0].submit()</c> does: a urlencoded POST.</summary>
    public Task<BrowserPage> SubmitAsync(AutoSubmitForm form) =>
        NavigateAsync(new HttpRequestMessage(HttpMethod.Post, form.Action) { Content = new FormUrlEncodedContent(form.Fields) });

    private async Task<BrowserPage> NavigateAsync(HttpRequestMessage request)
    {
        for (var hop = 0; hop < 20; hop++)
        {
            var url = request.RequestUri!;
            _history.Add((request.Method.Method, url));
            using var response = await _http.SendAsync(request);
            request.Dispose();
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, location));
                continue;
            }
            return new BrowserPage(url, response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        throw new InvalidOperationException("more than 20 redirects: " + string.Join(" -> ", _history.Select(h => h.Url)));
    }

    public void Dispose() => _http.Dispose();
}
