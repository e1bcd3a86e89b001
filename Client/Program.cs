using System.CommandLine;
using DistGen.Client.Commands;

var root = new RootCommand("distgen: train generative models on an Orleans cluster (GAN, VAE, char-LM, PPO).")
{
    RunCommand.Create(),
    DataCommand.Create(),
    SpecCommand.Create(),
    ClusterCommand.Create(),
    CertCommand.Create(),
};
foreach (var command in JobCommands.Create()) root.Subcommands.Add(command);
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
    Console.Error.WriteLine("See: distgen --help");
    return DistGen.Client.ExitCodes.BadInput;
}
return await parsed.InvokeAsync();
