using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SpecEditor.GitHubFake;

/// <summary>
/// An in-process fake of GitHub on 127.0.0.1 and a random port, laid out like GitHub Enterprise Server: the REST API under
/// <c>/api/v3</c>, OAuth under <c>/login/oauth</c>. It follows GitHub's documented shapes: JSON bodies in snake_case, ETags
/// and 304 answers to <c>If-None-Match</c> (not counted against the rate limit), <c>x-ratelimit-*</c> headers, error bodies
/// <c>{message, documentation_url}</c>, and 422s such as "Reference already exists". Every request is recorded; faults can
/// be injected. Git objects get their real ids.
/// </summary>
public sealed partial class FakeGitHub : IAsyncDisposable
{
    private const string Docs = "https://docs.github.com/rest";
    private readonly WebApplication _app;
    private readonly List<FakeRepository> _repositories = [];
    private readonly Dictionary<string, FakeToken> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RateLimit> _limits = new(StringComparer.Ordinal);
    private readonly List<RecordedCall> _calls = [];
    private readonly List<FakeFault> _faults = [];
    private long _nextId = 1000;

    private FakeGitHub(WebApplication app, TimeProvider clock)
    {
        _app = app;
        Clock = clock;
    }

    public TimeProvider Clock { get; }

    /// <summary>The web root, e.g. http://127.0.0.1:PORT/ (GH_WEB_URL).</summary>
    public Uri WebUrl { get; private set; } = null!;

    /// <summary>The API root, e.g. http://127.0.0.1:PORT/api/v3/ (GH_API_URL).</summary>
    public Uri ApiUrl => new(WebUrl, "api/v3/");

    internal Lock Gate { get; } = new();

    public static async Task<FakeGitHub> StartAsync(TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeGitHub(app, clock ?? TimeProvider.System);
        app.Run(fake.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.WebUrl = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    public FakeRepository CreateRepository(string fullName, string defaultBranch = "main", bool isPrivate = true)
    {
        lock (Gate)
        {
            var parts = fullName.Split('/');
            var repository = new FakeRepository(this, NextId(), parts[0], parts[1], defaultBranch, isPrivate);
            _repositories.Add(repository);
            return repository;
        }
    }

    public FakeUser AddUser(string login, string? name = null, string? email = null)
    {
        lock (Gate)
        {
            return new FakeUser { Id = NextId(), Login = login, Name = name, Email = email };
        }
    }

    /// <summary>Issues a classic token for the user with the given scopes.</summary>
    public string IssueToken(FakeUser user, params string[] scopes)
    {
        lock (Gate)
        {
            var value = "gho_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(18));
            _tokens[value] = new FakeToken(value, user, scopes);
            return value;
        }
    }

    public void RevokeToken(string token)
    {
        lock (Gate)
        {
            _tokens.Remove(token);
        }
    }

    /// <summary>The rate limit of a user (by login), or of anonymous callers with null.</summary>
    public RateLimit RateLimitOf(string? login)
    {
        lock (Gate)
        {
            var key = login ?? "";
            if (!_limits.TryGetValue(key, out var limit))
            {
                var max = login is null ? 60 : 5000;
                limit = new RateLimit { Limit = max, Remaining = max, Reset = Clock.GetUtcNow().AddHours(1) };
                _limits[key] = limit;
            }

            return limit;
        }
    }

    public void AddFault(FakeFault fault)
    {
        lock (Gate)
        {
            _faults.Add(fault);
        }
    }

    public IReadOnlyList<RecordedCall> Calls
    {
        get
        {
            lock (Gate)
            {
                return _calls.ToArray();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    internal long NextId() => Interlocked.Increment(ref _nextId);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        if (request.Path.StartsWithSegments("/login/oauth", out var oauthPath))
        {
            await HandleOAuthAsync(context, oauthPath.Value ?? "", body).ConfigureAwait(false);
            return;
        }

        if (!request.Path.StartsWithSegments("/api/v3", out var apiPath))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var path = apiPath.Value ?? "/";
        var method = request.Method;
        var token = Token(request);
        FakeToken? credential;
        FakeFault? fault;
        lock (Gate)
        {
            credential = token is null ? null : _tokens.GetValueOrDefault(token);
            fault = _faults.FirstOrDefault(f => f.Times > 0 && f.Method == method && f.Path.IsMatch(path));
            if (fault is not null)
            {
                fault.Times--;
            }
        }

        if (fault is { Delay.Ticks: > 0 })
        {
            try
            {
                await Task.Delay(fault.Delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Record(method, path, request.QueryString.Value ?? "", 499, credential, token, body, conditional: false);
                return;
            }
        }

        Answer answer;
        var conditional = false;
        if (fault is { AfterHandling: false, Replaces: true })
        {
            answer = FaultAnswer(fault);
        }
        else if (token is not null && credential is null)
        {
            answer = Error(401, "Bad credentials", "/authentication");
        }
        else
        {
            var limited = path != "/rate_limit" ? RateLimited(credential) : null;
            if (limited is not null)
            {
                answer = limited;
            }
            else
            {
                lock (Gate)
                {
                    answer = Route(method, path, request.Query, body, credential);
                }

                if (method == "GET" && answer.Status == 200 && answer.Body is not null)
                {
                    var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(answer.Body.ToJsonString()))) + "\"";
                    answer.Headers["ETag"] = etag;
                    if (request.Headers.IfNoneMatch.Any(v => v is not null && v.Replace("W/", "", StringComparison.Ordinal) == etag))
                    {
                        // GitHub: "a 304 response does not count against your primary rate limit".
                        answer = new Answer(304, null) { Headers = { ["ETag"] = etag } };
                        conditional = true;
                    }
                }

                if (!conditional && path != "/rate_limit")
                {
                    lock (Gate)
                    {
                        RateLimitOf(credential?.User.Login).Remaining--;
                    }
                }

                if (fault is { AfterHandling: true })
                {
                    answer = FaultAnswer(fault);
                }
            }
        }

        Record(method, path, request.QueryString.Value ?? "", answer.Status, credential, token, body, conditional);
        await WriteAsync(context, answer, credential).ConfigureAwait(false);
    }

    private void Record(string method, string path, string query, int status, FakeToken? credential, string? token, string? body, bool conditional)
    {
        lock (Gate)
        {
            _calls.Add(new RecordedCall(method, path, query, status, credential?.User.Login, token, body, conditional));
        }
    }

    private async Task WriteAsync(HttpContext context, Answer answer, FakeToken? credential)
    {
        var response = context.Response;
        response.StatusCode = answer.Status;
        var limit = RateLimitOf(credential?.User.Login);
        lock (Gate)
        {
            response.Headers["x-ratelimit-limit"] = limit.Limit.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining"] = Math.Max(0, limit.Remaining).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-used"] = (limit.Limit - Math.Max(0, limit.Remaining)).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-reset"] = limit.Reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-resource"] = "core";
        }

        response.Headers["X-GitHub-Request-Id"] = NextId().ToString("X", CultureInfo.InvariantCulture);
        if (credential is not null)
        {
            response.Headers["X-OAuth-Scopes"] = string.Join(", ", credential.Scopes);
        }

        foreach (var (name, value) in answer.Headers)
        {
            response.Headers[name] = value;
        }

        if (answer.Body is not null)
        {
            response.ContentType = "application/json; charset=utf-8";
            await response.WriteAsync(answer.Body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    private Answer? RateLimited(FakeToken? credential)
    {
        lock (Gate)
        {
            var limit = RateLimitOf(credential?.User.Login);
            if (limit.Remaining > 0)
            {
                return null;
            }

            if (limit.Reset <= Clock.GetUtcNow())
            {
                limit.Remaining = limit.Limit;
                limit.Reset = Clock.GetUtcNow().AddHours(1);
                return null;
            }

            var who = credential is null ? "127.0.0.1" : $"user ID {credential.User.Id}";
            return Error(403, $"API rate limit exceeded for {who}.", "/overview/rate-limits-for-the-rest-api");
        }
    }

    private static Answer FaultAnswer(FakeFault fault)
    {
        var answer = Error(fault.Status, fault.Message, "/overview/troubleshooting");
        foreach (var (name, value) in fault.Headers)
        {
            answer.Headers[name] = value;
        }

        return answer;
    }

    private static string? Token(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        foreach (var scheme in (string[])["Bearer ", "token "])
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return header[scheme.Length..].Trim();
            }
        }

        return null;
    }

    internal static Answer Error(int status, string message, string docs) =>
        new(status, new JsonObject { ["message"] = message, ["documentation_url"] = Docs + docs });

    internal static JsonNode? Parse(string? body)
    {
        try
        {
            return body is null ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static string Time(DateTimeOffset when) => when.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal sealed record Answer(int Status, JsonNode? Body)
    {
        public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    }
}
