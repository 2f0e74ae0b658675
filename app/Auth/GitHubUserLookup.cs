using Microsoft.Extensions.Options;
using Octokit;
using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;

namespace SpecEditor.Auth;

/// <summary>Asks GitHub who a token belongs to and, when allow-lists or protected environments need it, their organisations and teams.</summary>
public sealed class GitHubUserLookup(GitHubConnections connections, IOptions<GitHubSettings> github, IOptions<SpecsSettings> specs)
{
    private readonly GitHubSettings _github = github.Value;
    private readonly string _repository = specs.Value.GitHubRepository ?? "";

    public async Task<GitHubIdentity> LookupAsync(string token, CancellationToken cancellationToken)
    {
        var call = new GitHubCall(connections.ForUser(token), _repository, asUser: true);
        var user = await call.GetAsync<User>("user", null, "reading your GitHub profile", cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> orgs = [];
        IReadOnlyList<string> teams = [];
        if (_github.NeedsMembership)
        {
            var page = new Dictionary<string, string> { ["per_page"] = "100" };
            var organizations = await call.GetAsync<List<Organization>>("user/orgs", page, "reading your organisations", cancellationToken).ConfigureAwait(false);
            var memberships = await call.GetAsync<List<Team>>("user/teams", page, "reading your teams", cancellationToken).ConfigureAwait(false);
            orgs = organizations.Select(o => o.Login.ToLowerInvariant()).ToArray();
            teams = memberships.Where(t => t.Organization is not null).Select(t => $"{t.Organization.Login}/{t.Slug}".ToLowerInvariant()).ToArray();
        }

        return new GitHubIdentity(user.Id, user.Login, user.Name, user.Email, orgs, teams);
    }
}
