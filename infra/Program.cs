using Pulumi;
using SpecEditor.Infra;
using SpecEditor.Infra.Settings;

return await Deployment.RunAsync(() =>
{
    var settings = StackSettingsReader.Read(new PulumiConfigSource(), Deployment.Instance.ProjectName, Deployment.Instance.StackName);
    return SpecEditorStack.Define(settings, Deployment.Instance.RootDirectory);
});
