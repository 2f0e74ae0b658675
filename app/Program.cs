using SpecEditor.Health;
using SpecEditor.Hosting;

if (args is [HealthCheckCommand.Name, .. var probeArgs])
{
    return await HealthCheckCommand.RunAsync(probeArgs);
}

return await StartupReport.RunAsync(() => SpecEditorApp.Create(args));
