using Grump.Hyper.Cli;

return CliApp.Run(args, Console.Out, Console.Error);
