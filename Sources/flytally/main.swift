import FlyCLI
import Foundation

exit(FlyTallyMain.run(Array(CommandLine.arguments.dropFirst())))
