using Microsoft.Extensions.Options;
using SpecEditor.Auth;
using SpecEditor.Auth.SessionKeys;
using SpecEditor.Automation;
using SpecEditor.Data;
using SpecEditor.Health;
using SpecEditor.Observability;
using SpecEditor.Specs;
using SpecEditor.Web;

namespace SpecEditor.Hosting;

/// <summary>Builds the web app. Program.cs and the tests both start it from here, so they run the same wiring.</summary>
public static class SpecEditorApp
{
    /// <param name="args">Command-line arguments.</param>
    /// <param name="settings">Settings that override environment variables (tests use this instead of the environment).</param>
    /// <param name="configure">Last-moment service changes before the app is built (tests replace the clock or fakes here).</param>
    public static WebApplication Create(string[] args, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SpecEditorApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddHosting();
        builder.AddDatabase();
        builder.AddSpecs();
        builder.AddWeb();
        builder.AddAutomation();
        builder.AddObservability();
        builder.Services.AddAppHealthChecks();
        builder.Services.LoadKeyRingOnFirstUse();
        configure?.Invoke(builder);
        SettingsRegistration.ThrowIfInvalid(builder.Services, builder.Configuration);

        var app = builder.Build();
        app.UseAppHealth();
        app.UseWeb();
        app.UseSignIn();
        app.UseFormTokens();
        app.MapSpecsApi();
        app.MapAutomationApi();
        app.MapObservability();
        app.MapWebPages();
        return app;
    }

    /// <summary>Logging, Kestrel on the configured address and port with the body limit, the data folder, and data-protection keys.</summary>
    public static IHostApplicationBuilder AddHosting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<HostingSettings>(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<DataDirectoryInitializer>();

        builder.Logging.ClearProviders();
        if (builder.Configuration["LOG_FORMAT"] == "json")
        {
            builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        // Request-level framework logs cost throughput and say little; failures are logged by the exception handler.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Lifetime", LogLevel.Information);

        // A failed start is reported once, by StartupReport, as plain lines (or the stack trace of a bug).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        // Settings are checked before the app is built (SettingsRegistration.ThrowIfInvalid), so these values are valid here.
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<HostingSettings>>((kestrel, hosting) =>
            {
                var settings = hosting.Value;
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
                kestrel.Listen(settings.ListenIPAddress(), settings.PortNumber);
            });

        builder.Services.AddSessionKeys();
        return builder;
    }

    private sealed class DataDirectoryInitializer(IOptions<HostingSettings> hosting) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var directory = hosting.Value.DataDir;
            try
            {
                Directory.CreateDirectory(directory);
                var probe = Path.Combine(directory, ".write-probe");
                File.WriteAllText(probe, string.Empty);
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"DATA_DIR: '{directory}' is not a writable folder ({ex.Message})");
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A problem found while starting; reported as one line and a non-zero exit code.</summary>
public sealed class StartupException(string message) : Exception(message);
