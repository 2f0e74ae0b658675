using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SpecEditor.Specs.GitHub.Http;

/// <summary>The last rate-limit figures GitHub reported, per credential (a hash of it, never the token itself).</summary>
public sealed record RateLimitState(int Remaining, DateTimeOffset Reset, string Resource);

/// <summary>
/// Remembers GitHub's <c>x-ratelimit-*</c> headers per credential, so a used-up limit fails fast with its reset time
/// instead of spending requests that GitHub would refuse (and that count against the secondary limits).
/// </summary>
public sealed class RateLimitTracker(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, RateLimitState> _states = new(StringComparer.Ordinal);

    /// <summary>Identifies a credential by a short hash of its Authorization header; "anonymous" without one.</summary>
    public static string CredentialKey(string? authorization) =>
        string.IsNullOrEmpty(authorization)
            ? "anonymous"
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)).AsSpan(0, 8));

    public void Record(string credentialKey, HttpResponseMessage response)
    {
        if (!TryInt(response, "x-ratelimit-remaining", out var remaining) || !TryInt(response, "x-ratelimit-reset", out var reset))
        {
            return;
        }

        var resource = response.Headers.TryGetValues("x-ratelimit-resource", out var values) ? values.First() : "core";
        _states[credentialKey] = new RateLimitState(remaining, DateTimeOffset.FromUnixTimeSeconds(reset), resource);
    }

    /// <summary>The time the core limit of this credential comes back, when it is used up now.</summary>
    public DateTimeOffset? ExhaustedUntil(string credentialKey)
    {
        var state = _states.GetValueOrDefault(credentialKey);
        return state is { Remaining: <= 0, Resource: "core" } && state.Reset > clock.GetUtcNow() ? state.Reset : null;
    }

    private static bool TryInt(HttpResponseMessage response, string name, out int value)
    {
        value = 0;
        return response.Headers.TryGetValues(name, out var values)
            && int.TryParse(values.First(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}
