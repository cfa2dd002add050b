Console.WriteLine("simulator: not yet implemented");
