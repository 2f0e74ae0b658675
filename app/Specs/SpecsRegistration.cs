using SpecEditor.Hosting;
using SpecEditor.Specs.GitHub;
using SpecEditor.Specs.Local;
using SpecEditor.Specs.Schema;
using SpecEditor.Web;

namespace SpecEditor.Specs;

public static class SpecsRegistration
{
    /// <summary>The spec editor: settings, the store chosen by SPEC_STORE, schema, and the use cases.</summary>
    public static IHostApplicationBuilder AddSpecs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<SpecsSettings>(builder.Configuration);
        services.AddSingleton<PodPaths>();
        services.AddSingleton<SchemaProvider>();
        services.AddSingleton<SpecService>();
        services.AddSingleton<PodListCache>();

        // Local is the embedded default; SPEC_STORE=github selects the GitHub store (and its sign-in).
        if (builder.Configuration["SPEC_STORE"] == "github")
        {
            builder.AddGitHubStore();
        }
        else if (builder.Configuration["SPEC_STORE"] is null or "" or "local")
        {
            services.AddSingleton<LocalChangeRepository>();
            services.AddSingleton<LocalGitStore>();
            services.AddSingleton<ISpecStore>(sp => sp.GetRequiredService<LocalGitStore>());
            services.AddSingleton<IActorProvider, LocalActorProvider>();
            services.AddHostedService<LocalStoreInitializer>();
        }

        return builder;
    }

    private sealed class LocalStoreInitializer(LocalGitStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
