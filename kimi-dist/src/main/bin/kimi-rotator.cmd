@echo off
rem kimi-rotator launcher for Windows: finds Java 17+, runs the CLI with lib\* (and lib\proxy\* for serve) and the
rem JVM settings of the Unix launcher, bin/kimi-rotator, which explains them (it alone makes a start-up archive).
setlocal
set "KIMI_HOME=%~dp0.."
if defined JAVA_HOME (
  if not exist "%JAVA_HOME%\bin\java.exe" (
    echo error: JAVA_HOME is set to '%JAVA_HOME%', which has no bin\java.exe; point JAVA_HOME at a Java 17 or newer, or unset it to use the java on the PATH 1>&2
    exit /b 1
  )
  set "JAVA_CMD=%JAVA_HOME%\bin\java.exe"
) else (
  set "JAVA_CMD=java"
)
"%JAVA_CMD%" -version >nul 2>&1
if errorlevel 1 (
  echo error: no Java found; install Java 17 or newer, or set JAVA_HOME 1>&2
  exit /b 1
)
for /f "tokens=3" %%v in ('"%JAVA_CMD%" -version 2^>^&1 ^| findstr /i "version"') do set "JAVA_VERSION=%%~v"
for /f "tokens=1 delims=." %%m in ("%JAVA_VERSION%") do set "JAVA_MAJOR=%%m"
if "%JAVA_MAJOR%"=="" set "JAVA_MAJOR=0"
if %JAVA_MAJOR% LSS 17 (
  echo error: kimi-rotator needs Java 17 or newer, but found %JAVA_VERSION%; set JAVA_HOME to a newer Java 1>&2
  exit /b 1
)

rem The command, as the CLI parses it: the first argument that is neither an option nor the value of one
rem (cmd also splits --config=FILE at the "=", into --config and FILE). SHIFT leaves what Java gets as it was.
set "COMMAND_NAME="
:scan
if "%~1"=="" goto scanned
if "%~1"=="--config" goto skip_value
if "%~1"=="--state" goto skip_value
if "%~1"=="--state-prefix" goto skip_value
set "ARG=%~1"
if "%ARG:~0,1%"=="-" goto next_arg
set "COMMAND_NAME=%~1"
goto scanned
:skip_value
shift
:next_arg
shift
goto scan
:scanned

rem serve alone needs lib\proxy\* (Jetty, metrics) and gets the proxy's heap settings; the other commands start
rem faster with the client compiler only.
if "%COMMAND_NAME%"=="serve" (
  set "KIMI_CP=%KIMI_HOME%\lib\*;%KIMI_HOME%\lib\proxy\*"
  set "KIMI_TUNING=-XX:+UseSerialGC -Xms64m -Xmn32m -XX:SurvivorRatio=4"
) else (
  set "KIMI_CP=%KIMI_HOME%\lib\*"
  set "KIMI_TUNING=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData"
)
set "KIMI_LOG_LEVEL=info"
if defined KIMI_ROTATOR_LOG_LEVEL set "KIMI_LOG_LEVEL=%KIMI_ROTATOR_LOG_LEVEL%"
"%JAVA_CMD%" -Xshare:auto %KIMI_TUNING% %JAVA_OPTS% %KIMI_ROTATOR_OPTS% "-Dkimi.home=%KIMI_HOME%" "-Dorg.slf4j.simpleLogger.defaultLogLevel=%KIMI_LOG_LEVEL%" -cp "%KIMI_CP%" io.github.kimirotator.cli.KimiRotatorCli %*
exit /b %ERRORLEVEL%
