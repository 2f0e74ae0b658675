using SpecEditor.Health;
using SpecEditor.Hosting;

if (args is [HealthCheckCommand.Name, .. var probeArgs])
{
    return await HealthCheckCommand.RunAsync(probeArgs);
}

StartupProfile.Start();
return await StartupReport.RunAsync(() => SpecEditorApp.Create(args));
