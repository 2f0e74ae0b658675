using SpecEditor.Container.Tests.Support;

// One image build for the whole run; every test uses it.
[assembly: AssemblyFixture(typeof(SpecEditorImage))]

// The tests share one Docker engine and two cores: running them one at a time keeps timings (health, start) honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
