using SpecEditor.Auth;
using SpecEditor.Health;
using SpecEditor.Hosting;
using SpecEditor.Specs.GitHub.Http;

namespace SpecEditor.Specs.GitHub;

public static class GitHubRegistration
{
    /// <summary>SPEC_STORE=github: the GitHub store, sign-in, live change status and the GitHub readiness check.</summary>
    public static IHostApplicationBuilder AddGitHubStore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<GitHubSettings>(builder.Configuration);
        services.AddSingleton<RateLimitTracker>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<ResilienceHandler>();
        services.AddSingleton<GitHubConnections>();
        services.AddSingleton<DispatchRepository>();
        services.AddSingleton<WorkflowDispatcher>();
        services.AddSingleton<GitHubStore>();
        services.AddSingleton<ISpecStore>(sp => sp.GetRequiredService<GitHubStore>());
        services.AddSingleton<ChangeStatusService>();
        services.AddHealthChecks().AddCheck<GitHubHealthCheck>("github", tags: [HealthEndpoints.ReadyTag]);
        builder.AddSignIn();
        return builder;
    }
}
