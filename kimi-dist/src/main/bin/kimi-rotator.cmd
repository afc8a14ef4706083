@echo off
rem kimi-rotator launcher for Windows: finds Java 17+, runs the CLI with lib\* (and lib\proxy\* for serve).
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
"%JAVA_CMD%" -Xshare:auto %JAVA_OPTS% %KIMI_ROTATOR_OPTS% "-Dkimi.home=%KIMI_HOME%" -cp "%KIMI_HOME%\lib\*;%KIMI_HOME%\lib\proxy\*" io.github.kimirotator.cli.KimiRotatorCli %*
exit /b %ERRORLEVEL%
