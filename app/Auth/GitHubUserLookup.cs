using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Octokit;
using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;
using SpecEditor.Specs.GitHub.Http;

namespace SpecEditor.Auth;

/// <summary>Asks GitHub who a token belongs to and, when allow-lists or protected environments need it, their organisations and teams.</summary>
public sealed class GitHubUserLookup(GitHubConnections connections, IOptions<GitHubSettings> github, IOptions<SpecsSettings> specs, TimeProvider clock)
{
    private const int MaxRemembered = 10_000;
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(5);
    private readonly bool _needsMembership = github.Value.NeedsMembership;
    private readonly string _repository = specs.Value.GitHubRepository ?? "";
    private readonly ConcurrentDictionary<string, (GitHubIdentity Identity, DateTimeOffset Until)> _remembered = new(StringComparer.Ordinal);

    /// <summary>Like <see cref="LookupAsync"/>, but remembers the answer for a few minutes by the token's hash (API clients send it on every request).</summary>
    public async Task<GitHubIdentity> LookupRememberedAsync(string token, CancellationToken cancellationToken)
    {
        var key = RateLimitTracker.CredentialKey(token);
        var now = clock.GetUtcNow();
        if (_remembered.TryGetValue(key, out var known) && known.Until > now)
        {
            return known.Identity;
        }

        var identity = await LookupAsync(token, cancellationToken).ConfigureAwait(false);
        if (_remembered.Count >= MaxRemembered)
        {
            _remembered.Clear();
        }

        _remembered[key] = (identity, now + Remember);
        return identity;
    }

    public async Task<GitHubIdentity> LookupAsync(string token, CancellationToken cancellationToken)
    {
        var call = new GitHubCall(connections.ForUser(token), _repository, asUser: true);
        var user = await call.GetAsync<User>("user", null, "reading your GitHub profile", cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> orgs = [];
        IReadOnlyList<string> teams = [];
        if (_needsMembership)
        {
            // Every page (up to 1,000 each): a member of many teams must not be refused because the one that counts was on page 2.
            var page = new Dictionary<string, string> { ["per_page"] = "100" };
            var organizationsRead = call.GetAllPagesAsync<Organization>("user/orgs", page, "reading your organisations", maxPages: 10, cancellationToken);
            var membershipsRead = call.GetAllPagesAsync<Team>("user/teams", page, "reading your teams", maxPages: 10, cancellationToken);
            await Task.WhenAll(organizationsRead, membershipsRead).ConfigureAwait(false);
            var organizations = await organizationsRead.ConfigureAwait(false);
            var memberships = await membershipsRead.ConfigureAwait(false);
            orgs = organizations.Select(o => o.Login.ToLowerInvariant()).ToArray();
            teams = memberships.Where(t => t.Organization is not null).Select(t => $"{t.Organization.Login}/{t.Slug}".ToLowerInvariant()).ToArray();
        }

        return new GitHubIdentity(user.Id, user.Login, user.Name, user.Email, orgs, teams);
    }
}
