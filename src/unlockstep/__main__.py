from unlockstep.cli.main import main

main()
