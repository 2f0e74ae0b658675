using Microsoft.Extensions.Options;
using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;

namespace SpecEditor.Auth;

/// <summary>Who may sign in (organisation and team allow-list) and who may change which environment (protected environments).</summary>
public sealed class AccessPolicy(IOptions<GitHubSettings> options)
{
    private readonly GitHubSettings _settings = options.Value;
    private readonly IReadOnlyDictionary<string, EnvironmentRule> _rules = options.Value.ProtectedEnvironmentRules;

    /// <summary>Throws <see cref="SignInDeniedException"/> when an allow-list is set and the user is in none of its organisations or teams.</summary>
    public void EnsureAllowed(GitHubIdentity identity)
    {
        if (!_settings.HasAllowList)
        {
            return;
        }

        var orgs = _settings.AllowedOrgList.Select(o => o.ToLowerInvariant());
        var teams = _settings.AllowedTeamList.Select(t => t.ToLowerInvariant());
        if (orgs.Intersect(identity.Orgs).Any() || teams.Intersect(identity.Teams).Any())
        {
            return;
        }

        var rule = string.Join(", ", _settings.AllowedOrgList.Concat(_settings.AllowedTeamList.Select(t => "@" + t)));
        throw new SignInDeniedException(identity.Login, rule);
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
