using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace SpecEditor.Specs.GitHub.Http;

/// <summary>
/// Every GitHub request goes through here. It retries 5xx answers, timeouts and network errors with exponential backoff and
/// jitter; it honours GitHub's rate limits: a short <c>Retry-After</c> or reset is waited out, a long one ends the request
/// with <see cref="GitHubRateLimitedException"/> (the time to come back), and a credential whose limit is known to be used
/// up is not sent at all. Workflow dispatches are never repeated: a retry could start the deploy twice.
/// </summary>
public sealed partial class ResilienceHandler(
    IOptions<GitHubSettings> options,
    RateLimitTracker limits,
    TimeProvider clock,
    ILogger<ResilienceHandler> logger) : DelegatingHandler
{
    // Parsed once: the settings are fixed after start-up and these are read on every request.
    private readonly TimeSpan _timeout = options.Value.Timeout;
    private readonly TimeSpan _maxWait = options.Value.MaxWait;
    private readonly TimeSpan _retryDelay = options.Value.RetryDelay;
    private readonly int _attempts = options.Value.AttemptCount;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var credential = RateLimitTracker.CredentialKey(request.Headers.Authorization?.ToString());
        var path = request.RequestUri!.AbsolutePath;
        var countsAgainstLimit = !path.EndsWith("/rate_limit", StringComparison.Ordinal);
        if (countsAgainstLimit && limits.ExhaustedUntil(credential) is { } until)
        {
            if (until - clock.GetUtcNow() > _maxWait)
            {
                throw new GitHubRateLimitedException(until, secondary: false);
            }

            await Task.Delay(until - clock.GetUtcNow(), clock, cancellationToken).ConfigureAwait(false);
        }

        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var repeatable = !(request.Method == HttpMethod.Post && path.EndsWith("/dispatches", StringComparison.Ordinal));
        var attempts = repeatable ? _attempts : 1;
        for (var attempt = 1; ; attempt++)
        {
            using var attemptRequest = Copy(request, body);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(attemptRequest, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or HttpRequestException)
            {
                var what = ex is OperationCanceledException ? $"did not answer within {_timeout.TotalSeconds:0} s" : $"could not be reached ({ex.Message})";
                if (attempt >= attempts)
                {
                    throw new GitHubUnavailableException(
                        repeatable
                            ? $"GitHub {what} ({attempt} attempts). Nothing was lost; try again in a moment."
                            : $"GitHub {what}. The workflow may or may not have started: check the workflow's runs on GitHub before trying again.");
                }

                LogRetry(logger, request.Method.Method, path, what, attempt);
                await Task.Delay(Backoff(attempt), clock, cancellationToken).ConfigureAwait(false);
                continue;
            }

            limits.Record(credential, response);
            if (RateLimitWait(response) is { } limited)
            {
                var wait = limited.RetryAt - clock.GetUtcNow();
                if (wait > _maxWait || attempt >= attempts)
                {
                    response.Dispose();
                    LogRateLimited(logger, request.Method.Method, path, limited.RetryAt, limited.Secondary);
                    throw new GitHubRateLimitedException(limited.RetryAt, limited.Secondary);
                }

                response.Dispose();
                LogRetry(logger, request.Method.Method, path, limited.Secondary ? "secondary rate limit" : "rate limit", attempt);
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (IsTransient(response.StatusCode) && attempt < attempts)
            {
                var delay = RetryAfter(response) is { } after && after <= _maxWait ? after : Backoff(attempt);
                LogRetry(logger, request.Method.Method, path, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), attempt);
                response.Dispose();
                await Task.Delay(delay, clock, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>Exponential from GH_RETRY_DELAY_MS, jittered so replicas do not retry in step; GH_ATTEMPTS bounds it, so no cap.</summary>
    private TimeSpan Backoff(int attempt) => Hosting.Backoff.Delay(attempt, _retryDelay, TimeSpan.MaxValue, Random.Shared);

    /// <summary>
    /// GitHub's documented rate-limit answers: 403 or 429 with <c>Retry-After</c> (secondary), or with
    /// <c>x-ratelimit-remaining: 0</c> (primary, back at <c>x-ratelimit-reset</c>). A secondary limit without a header means "wait a minute".
    /// </summary>
    private (DateTimeOffset RetryAt, bool Secondary)? RateLimitWait(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (RetryAfter(response) is { } after)
        {
            return (now + after, true);
        }

        if (response.Headers.TryGetValues("x-ratelimit-remaining", out var remaining) && remaining.First() == "0"
            && response.Headers.TryGetValues("x-ratelimit-reset", out var reset)
            && long.TryParse(reset.First(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return (DateTimeOffset.FromUnixTimeSeconds(seconds), false);
        }

        return response.StatusCode == HttpStatusCode.TooManyRequests ? (now.AddMinutes(1), true) : null;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        return header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - clock.GetUtcNow(),
            _ => null,
        };
    }

    /// <summary>A request can be sent only once; every attempt sends a copy with the same headers and body.</summary>
    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        return copy;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub {Method} {Path}: {Reason}; retrying (attempt {Attempt})")]
    private static partial void LogRetry(ILogger logger, string method, string path, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub {Method} {Path}: rate limited until {RetryAt:O} (secondary: {Secondary})")]
    private static partial void LogRateLimited(ILogger logger, string method, string path, DateTimeOffset retryAt, bool secondary);
}
