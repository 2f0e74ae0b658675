using System.Net;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Caching;
using Octokit.Internal;
using SpecEditor.Specs.GitHub.Http;

namespace SpecEditor.Specs.GitHub;

/// <summary>
/// Octokit connections over one shared HTTP pipeline (ETag cache → retries and rate limits → connection pool).
/// The service connection (GH_TOKEN, or anonymous) reads; a user's connection, made from their own token, writes.
/// </summary>
public sealed class GitHubConnections : IDisposable
{
    private static readonly ProductHeaderValue Product = new("spec-editor", typeof(GitHubConnections).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
    private readonly IHttpClient _http;
    private readonly IJsonSerializer _json = new SimpleJsonSerializer();
    private readonly Uri _apiBase;

    public GitHubConnections(IOptions<GitHubSettings> options, ResilienceHandler resilience, ResponseCache cache)
    {
        var settings = options.Value;
        _apiBase = settings.ApiBase;
        resilience.InnerHandler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
        };
        _http = new CachingHttpClient(new HttpClientAdapter(() => resilience), cache);

        // The handler bounds each attempt; this only has to outlast all attempts and their waits.
        _http.SetRequestTimeout(((settings.Timeout + settings.MaxWait) * settings.AttemptCount) + TimeSpan.FromSeconds(30));
        HasServiceToken = settings.Token is { Length: > 0 };
        Service = Create(HasServiceToken ? new Credentials(settings.Token, AuthenticationType.Bearer) : Credentials.Anonymous);
    }

    /// <summary>Reads and health checks: GH_TOKEN when set, otherwise anonymous.</summary>
    public IConnection Service { get; }

    public bool HasServiceToken { get; }

    /// <summary>A connection acting as one user, with the token they signed in with.</summary>
    public IConnection ForUser(string token) => Create(new Credentials(token, AuthenticationType.Bearer));

    public void Dispose() => _http.Dispose();

    private Connection Create(Credentials credentials) =>
        new(Product, _apiBase, new InMemoryCredentialStore(credentials), _http, _json);
}
