using Microsoft.Extensions.Options;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Engine;
using SpecEditor.Automation.Publishing;
using SpecEditor.Automation.Runners;
using SpecEditor.Automation.Store;
using SpecEditor.Hosting;

namespace SpecEditor.Automation;

public static class AutomationRegistration
{
    /// <summary>The automation engine: settings, agents and secrets, persistence, the job runner chosen by AUTOMATION_RUNNER, publishing, and the worker loop.</summary>
    public static IHostApplicationBuilder AddAutomation(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<AutomationSettings>(builder.Configuration);
        services.AddMetrics();
        services.AddSingleton<AutomationMetrics>();
        services.AddSingleton<AgentCatalog>();
        services.AddSingleton<SecretProvider>();
        services.AddSingleton<SecretRedactor>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<RunNotifier>();
        services.AddSingleton<AutomationInstance>();
        services.AddSingleton<Workspace>();
        services.AddSingleton<RepositoryTargets>();
        services.AddSingleton<LocalPublisher>();
        services.AddSingleton<GitHubPublisher>();
        services.AddSingleton<AutomationService>();
        services.AddSingleton<StepExecutor>();
        services.AddSingleton<DockerJobRunner>();
        services.AddSingleton<KubernetesJobRunner>();
        services.AddSingleton<IJobRunner>(sp => sp.GetRequiredService<IOptions<AutomationSettings>>().Value.Runner == "kubernetes"
            ? sp.GetRequiredService<KubernetesJobRunner>()
            : sp.GetRequiredService<DockerJobRunner>());
        services.AddSingleton<AutomationWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<AutomationWorker>());
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Add(AutomationJsonContext.Default));
        return builder;
    }
}
