using Microsoft.Extensions.Options;
using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;

namespace SpecEditor.Auth;

/// <summary>Who may sign in (organisation and team allow-list) and who may change which environment (protected environments).</summary>
public sealed class AccessPolicy(IOptions<GitHubSettings> options)
{
    private readonly IReadOnlyDictionary<string, EnvironmentRule> _rules = options.Value.ProtectedEnvironmentRules;
    private readonly string[] _allowedOrgs = [.. options.Value.AllowedOrgList.Select(o => o.ToLowerInvariant())];
    private readonly string[] _allowedTeams = [.. options.Value.AllowedTeamList.Select(t => t.ToLowerInvariant())];
    private readonly string _allowList = string.Join(", ", options.Value.AllowedOrgList.Concat(options.Value.AllowedTeamList.Select(t => "@" + t)));

    /// <summary>Throws <see cref="SignInDeniedException"/> when an allow-list is set and the user is in none of its organisations or teams.</summary>
    public void EnsureAllowed(GitHubIdentity identity)
    {
        if (_allowedOrgs.Length + _allowedTeams.Length == 0 || _allowedOrgs.Intersect(identity.Orgs).Any() || _allowedTeams.Intersect(identity.Teams).Any())
        {
            return;
        }

        throw new SignInDeniedException(identity.Login, _allowList);
    }

    /// <summary>The rule protecting an environment, if any.</summary>
    public EnvironmentRule? RuleFor(string environment) => _rules.GetValueOrDefault(environment);

    public bool MayChange(GitHubIdentity identity, PodId pod) =>
        RuleFor(pod.Environment) is not { } rule
        || rule.Users.Contains(identity.Login.ToLowerInvariant())
        || rule.Teams.Intersect(identity.Teams).Any();

    public void EnsureMayChange(GitHubIdentity identity, PodId pod)
    {
        if (!MayChange(identity, pod))
        {
            throw new EnvironmentProtectedException(identity.Login, pod.Environment, RuleFor(pod.Environment)!.Describe());
        }
    }
}
