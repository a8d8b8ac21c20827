import ArgumentParser
import CiloCommands

@main
struct Cilo {
    static func main() async {
        await CiloCommand.runCommandLine()
    }
}
