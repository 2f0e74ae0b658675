using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Octokit.Caching;
using Octokit.Internal;

namespace SpecEditor.Specs.GitHub.Http;

/// <summary>
/// The ETag store behind Octokit's <see cref="CachingHttpClient"/>: a GET is sent with <c>If-None-Match</c> and GitHub's 304
/// (which does not count against the rate limit) is answered from here. Entries are per credential, because GitHub's
/// answers vary with who asks. Git objects addressed by their sha never change and are cached by the store instead.
/// </summary>
public sealed partial class ResponseCache : IResponseCache
{
    private const int MaxEntries = 2048;
    private readonly ConcurrentDictionary<string, CachedResponse.V1> _entries = new(StringComparer.Ordinal);

    public Task<CachedResponse.V1> GetAsync(IRequest request) =>
        Task.FromResult(_entries.GetValueOrDefault(Key(request))!);

    public Task SetAsync(IRequest request, CachedResponse.V1 cachedResponse)
    {
        if (string.IsNullOrEmpty(cachedResponse.ApiInfo?.Etag) || ImmutableObject().IsMatch(request.Endpoint.OriginalString))
        {
            return Task.CompletedTask;
        }

        if (_entries.Count >= MaxEntries)
        {
            // Rare and cheap to recover from: the next read of each entry is a full answer instead of a 304.
            _entries.Clear();
        }

        _entries[Key(request)] = cachedResponse;
        return Task.CompletedTask;
    }

    private static string Key(IRequest request)
    {
        var authorization = request.Headers.TryGetValue("Authorization", out var value) ? value : null;
        var accept = request.Headers.TryGetValue("Accept", out var accepts) ? accepts : "";
        return $"{RateLimitTracker.CredentialKey(authorization)} {new Uri(request.BaseAddress, request.Endpoint)} {accept}";
    }

    [GeneratedRegex("/git/(?:blobs|trees|commits)/[0-9a-f]{40}(?:\\?|$)")]
    private static partial Regex ImmutableObject();
}
